"""Log in and out of the web pages with Django's session (the API keeps its Bearer tokens).

Failed attempts are limited by the accounts' login limit (`marketplace.accounts.throttle`, applied
by the authentication backend); this page says so in words. At login the session's carts become
the account's."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from marketplace.accounts.backends import client_address
from marketplace.accounts.throttle import login_throttled
from marketplace.storefront.cart import carts_claim
from marketplace.storefront.forms import EmailAuthenticationForm


class LoginView(auth_views.LoginView):
    template_name = "storefront/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("username", ""))
        if email and login_throttled(email=email, address=client_address(request)):
            form = self.get_form_class()(request=request)  # unbound: no password is checked
            context = self.get_context_data(
                form=form, refused=_("Too many login attempts; try again in a minute.")
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # logs in (the session key changes, its data stays)
        carts_claim(self.request, form.get_user())
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): a link cannot log anyone out. Back to the
    shop's home (without it Django renders the admin's "logged out" page)."""

    next_page = "storefront:home"
