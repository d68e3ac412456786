urlpatterns: list = []  # The Stripe webhook lands here (payments issue).
