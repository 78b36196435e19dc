"""Meta webhooks: the signed receiver, the durable inbox behind it, and the processor.

Real time the way Meta documents it: events arrive at a public HTTPS callback (a reverse
proxy or tunnel in front of :class:`WebhookReceiver`), are checked against the app
secret, stored, answered with 200, and then applied to the store like a poll's results.
"""
