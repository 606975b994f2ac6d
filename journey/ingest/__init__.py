"""Getting files into the store: sniffing, layouts, column mapping, validation, loading, reports.

`readers` decodes bytes (encoding with the cp850 repair of `mixed_encoding`, delimiter,
gzip, xlsx) into a table; `formats` recognises layouts (generic EN/FR, GA4, Qualtrics in its
three exports, SurveyMonkey, French Excel) and maps columns to fields, weighing what
`columns` reads in the values; `plan` turns that into a plan for one file; `loader` checks
and writes it as one transaction (`convert_sql` holds its SQL); `importer` is the entry
point; `report` and `messages` say what happened, with fixes worded for the CLI or the app;
`known_events` suggests stages for well-known event names; `demo` generates the demo.
"""
