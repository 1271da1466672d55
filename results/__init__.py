"""Results a brand can trust: post metrics, forecast against actual, and attribution (tracking
links, clicks, conversions). Services take a session and flush; nothing here imports Flask
except the redirect's WSGI layer (``results.redirect``)."""
