"""The analyst app's pages: one module per page, each a view over analytics/ and engine/."""
