# fr-CA: 26 novembre 2026, 1 234,5 (espace insécable fine comme séparateur de milliers).
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "j F Y, G\u00a0\\h\u00a0i"  # 26 novembre 2026, 9 h 05 (non-breaking spaces)
TIME_FORMAT = "G\u00a0\\h\u00a0i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u202f"
NUMBER_GROUPING = 3
