"""What a run hands back to its user: rendered results (output.py), check verdicts, JUnit XML and
step summaries (checks.py), live progress (progress.py), console links (console.py), and where
reports may be written (destinations.py, fileio.py, streams.py)."""
