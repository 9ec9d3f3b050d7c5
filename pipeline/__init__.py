"""Protocol packet builder: an agency's inputs in, its human-trafficking response packet out."""
