"""Route parameters shared by every blueprint."""

# Ids in URLs: positive and within the database's integer columns, so an absurd id is a 404
# like any missing one instead of an overflow in SQL (a 500).
ID = "int(min=1, max=2147483647)"
