"""The only code that changes data.

Each module groups one area. Functions are named by role: access_* loads an object and checks
permission, check_* validates input, do_* writes (in the caller's Context, with its audit entry),
notify_* builds the event. Views, the API, the CLI and workers all call these.
"""
