"""No models: the app places the other apps' tables (plan.py); this module lets migrate signal it last."""
