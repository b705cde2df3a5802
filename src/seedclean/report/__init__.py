"""What a run tells its user: report.json and report.html, the removal table, and the threshold tuner."""
