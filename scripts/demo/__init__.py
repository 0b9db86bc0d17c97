"""The demo of `make run` / `make demo`: a day of an association played through the real services, one
module per service, in the order `scripts/run_local.py` plays them. Demo data lives here, never in a
service or in the image."""
