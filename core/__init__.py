"""Small pieces every app may use and that import no app: the base of
background jobs. Below accounts in the import order (docs/ARCHITECTURE.md)."""
