"""The pages of disclosure: the public site (public.py), an organization's choices and rules (settings.py), and
notices (notices.py)."""
