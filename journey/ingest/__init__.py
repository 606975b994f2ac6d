"""Getting files into the store: sniffing, layouts, column mapping, validation, loading, reports.

`readers` decodes bytes (encoding, delimiter, gzip, xlsx) into a table; `formats` recognises
layouts (generic EN/FR, GA4, Qualtrics, SurveyMonkey, French Excel) and maps columns to fields;
`importer` validates and loads one file as one transaction and writes the report; `messages`
words what went wrong; `demo` generates the built-in demo retailer.
"""
