"""Mixed traffic for the load test (run by bench_load.py, which seeds the data and the servers).

Customers browse a town, search, fill a cart and complete checkouts (dummy gateway: paid at once);
merchants accept, make ready and fulfil their paid shop orders, and refund some. A request fails
only on a 5xx or a transport error (a GraphQL business error, e.g. an order another merchant
session took first, is part of the traffic).
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

from locust import HttpUser, between, task

DATA = json.loads(open(os.environ["LOAD_DATA"], encoding="utf-8").read())  # noqa: SIM115

BROWSE = """query($town: String!) { town(slug: $town) { name vendors(first: 10) { edges { node {
  slug name products(first: 5) { edges { node { name variants { id price { amount } } } } } } } } } }"""
SEARCH = """query($town: String!, $q: String) { search(town: $town, query: $q, first: 10) {
  totalCount edges { node { product { name } } } } }"""
CREATE = """mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) {
  checkout { id total { amount } } errors { code } } }"""
COMPLETE = """mutation($id: ID!) { checkoutComplete(id: $id) { order { id status }
  errors { code } } }"""
TOKEN = """mutation($email: String!, $password: String!) { tokenCreate(email: $email,
  password: $password) { token errors { code } } }"""
ORDERS = """query($vendor: ID!, $status: ShopOrderStatus) { shopOrders(vendor: $vendor,
  status: $status, first: 5) { edges { node { id total { amount } refundedAmount { amount } } } } }"""
MOVE = """mutation($id: ID!) { %s(id: $id) { errors { code } } }"""
REFUND = """mutation($id: ID!, $amount: Decimal!) { shopOrderRefund(id: $id, amount: $amount) {
  errors { code } } }"""
WORDS = ["pain", "fromage", "pomme", "chocolat", "miel", "vin", "café", "tomate", "livre", "savon"]


def _post(user: HttpUser, name: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {user.token}"} if getattr(user, "token", None) else {}
    with user.client.post(
        "/graphql/",
        json={"query": query, "variables": variables},
        headers=headers,
        name=name,
        catch_response=True,
    ) as response:
        if response.status_code >= 500 or response.status_code == 0:
            response.failure(f"{response.status_code}")
            return {}
        response.success()
        try:
            body = response.json()
        except ValueError:
            return {}
        if os.environ.get("LOAD_DEBUG") and (body.get("errors") or 'errors": [{' in response.text):
            print(name, response.text[:300], flush=True)
        return dict(body.get("data") or {})


class Customer(HttpUser):
    weight = 4
    wait_time = between(0.5, 2)

    @task(4)
    def browse(self) -> None:
        _post(self, "browse", BROWSE, {"town": DATA["town"]})
        with self.client.get(
            f"/towns/{DATA['town']}/", name="browse page", catch_response=True
        ) as r:
            if r.status_code >= 500:
                r.failure(str(r.status_code))
            else:
                r.success()

    @task(3)
    def search(self) -> None:
        _post(self, "search", SEARCH, {"town": DATA["town"], "q": random.choice(WORDS)})

    def _cart(self) -> str | None:
        shops = random.sample(DATA["variants"], k=min(2, len(DATA["variants"])))
        lines = [{"variantId": random.choice(ids), "quantity": 1} for ids in shops]
        data = _post(
            self,
            "cart (checkoutCreate)",
            CREATE,
            {"input": {"town": DATA["town"], "email": "load@example.org", "lines": lines}},
        )
        checkout = (data.get("checkoutCreate") or {}).get("checkout")
        return checkout["id"] if checkout else None

    @task(2)
    def cart(self) -> None:
        self._cart()

    @task(2)
    def checkout(self) -> None:
        checkout_id = self._cart()
        if checkout_id:
            _post(self, "checkoutComplete", COMPLETE, {"id": checkout_id})


class Merchant(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.shop = random.choice(DATA["merchants"])
        data = _post(self, "tokenCreate", TOKEN, {"email": self.shop["email"], "password": "demo"})
        self.token = (data.get("tokenCreate") or {}).get("token")

    def _orders(self, status: str) -> list[dict[str, Any]]:
        data = _post(
            self, f"shopOrders {status}", ORDERS, {"vendor": self.shop["id"], "status": status}
        )
        edges = ((data.get("shopOrders") or {}).get("edges")) or []
        return [edge["node"] for edge in edges]

    @task(3)
    def advance(self) -> None:
        for status, mutation in (
            ("READY", "shopOrderFulfil"),
            ("ACCEPTED", "shopOrderMarkReady"),
            ("PAID", "shopOrderAccept"),
        ):
            orders = self._orders(status)
            if orders:
                _post(self, mutation, MOVE % mutation, {"id": orders[0]["id"]})
                return

    @task(1)
    def refund(self) -> None:
        for order in self._orders("FULFILLED") + self._orders("PAID"):
            left = float(order["total"]["amount"]) - float(order["refundedAmount"]["amount"])
            if left >= 1:
                _post(self, "shopOrderRefund", REFUND, {"id": order["id"], "amount": "1.00"})
                return
