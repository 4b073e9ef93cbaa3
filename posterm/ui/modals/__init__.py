"""Modal dialogs that return a typed value."""
