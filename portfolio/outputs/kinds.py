"""The names of what the outputs layer makes — chart kinds, file formats, languages — in a module that
imports nothing, so the command line offers them as choices without loading matplotlib."""

#: the standard charts of a run, in report order (``finish_dates`` only with a completion target,
#: ``ledger`` only for a run conditioned on a project ledger)
CHART_KINDS = ("growth_fan", "average_growth", "contributions", "schedule", "energy", "capex", "finish_dates",
               "ledger")
CHART_FORMATS = ("png", "svg", "pdf")
REPORT_FORMATS = ("html", "md", "docx")
#: Simplified Chinese and English: every text exists in both (``texts.text``)
LANGS = ("zh", "en")
