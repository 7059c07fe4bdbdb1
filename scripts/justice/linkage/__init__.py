"""Person linkage: training the Fellegi-Sunter parameters, evaluating the linkage against
ground truth and benchmark data, and comparing it with Splink.

The linkage itself is SQL (macros/people/, models/intermediate/people/); this package only
drives dbt, estimates m/u by expectation maximisation and measures the result.
"""
