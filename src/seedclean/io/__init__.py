"""Reading inputs into documents and writing the cleaned corpus atomically into an output folder the run owns."""
