"""The AWS vocabulary that steps, checks, cleanup and the CLI share: ARNs (`arns`), "does not
exist" error codes (`errors`), lookups of the workshop's resources by name (`lookups`) and the
`Secret` string that never shows itself (`secrets`). boto3 is imported lazily, where it is used.
"""

# An operation that only reads, by its name (the CLI's kept reads, the sandbox's change watch).
READ_PREFIXES = ("Describe", "Get", "List", "Test")
