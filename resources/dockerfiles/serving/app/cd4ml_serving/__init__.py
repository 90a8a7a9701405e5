"""cd4ml model server: serves one model directory over HTTP (see app.create_app)."""

__version__ = "0.1.0"
