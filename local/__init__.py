"""Civic Desk on one machine: the synthesized template's resources in an in-process AWS emulator."""
