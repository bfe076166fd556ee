"""What a run leaves behind and shows: the run-folder format (written and read here only), the texts in Chinese and English, the house style, charts, the report, the workbook, the text summary."""
