"""Notifications: channels a user configures once (webhooks, e-mail) and the notices sent to them.

`config` keeps the channels in a private TOML file, `events` says what happened to a job and
words it, `webhook` and `mail` send one notice to one channel, `send.deliver` sends a notice to
every channel that wants it, with retries, and never raises: a failing channel must never
affect a job.
"""
