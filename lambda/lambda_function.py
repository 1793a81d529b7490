"""AWS Lambda entry point for the Back Massage Guide Alexa skill."""

from massage_guide.skill_builder import handle_event as lambda_handler

__all__ = ["lambda_handler"]
