"""Importing offers from a spreadsheet (.xlsx or .csv), one module per step; import from the module that
defines a name.

The steps, as the bot runs them::

    table = reading.read_table(data, filename)             # Table | ImportRefusal
    mapping = mapping.propose_mapping(table.headers)       # recognised columns; .unmapped() to ask about
    mapping = mapping.with_choice(column, Target.NOTES)    # one per button press (JSON: to_json/from_json)
    results = rows.validate(table, mapping, "44", today)   # one RowResult per data row (see problems)
    # bot.services.imports writes the valid rows (storage.imports holds the table writes)
    report = report.error_report(table, results, describe) # .xlsx of the rows that failed, with the reason

``cells`` holds the parsers of single cells. Pure: no database, no network, no clock (``today`` is passed
in); nothing raises on user input.
"""
