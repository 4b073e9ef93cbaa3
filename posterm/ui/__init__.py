"""The Textual user interface: screens, modals and widgets over the services."""
