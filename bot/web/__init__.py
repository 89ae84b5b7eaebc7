"""Web chat channel: a page at `/` where anyone can talk to the bot from a browser."""
