"""The whatsapp function's handlers."""
