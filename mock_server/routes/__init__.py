"""One module per resource: parse, call one store method, render."""
