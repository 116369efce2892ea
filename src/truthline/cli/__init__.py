"""Command-line interface: thin Typer commands that parse, call a workflow and render."""
