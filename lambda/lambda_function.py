"""AWS Lambda entry point for the Back Massage Guide Alexa skill."""

import gc

# Init creates some 100,000 objects that live as long as the process; letting the
# collector scan them over and over while they are created only slows the cold
# start. Collect normally again once they exist, and freeze them so later
# collections skip them.
gc.disable()
try:
    from massage_guide.skill_builder import handle_event as lambda_handler
finally:
    gc.enable()
gc.freeze()

__all__ = ["lambda_handler"]
