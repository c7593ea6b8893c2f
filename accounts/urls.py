"""The signed-in person's own account pages, under /account/ (public schema: users are not per tenant)."""

app_name = "accounts"

urlpatterns = []
