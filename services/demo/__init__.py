"""The living demo of the embedded system (``make run``): a programme of several months.

Seeded through the services' own HTTP APIs (in-process, with one token per request, as the
gateway would forward them) and their events on the embedded broker, never by writing rows;
history in the past comes from the process's clock (``services/common/clock.py``), set back
while the months are replayed. ``DEMO_DATA=none`` leaves it out.
"""
