"""Number grouping in Chinese as the campaign offices write it (共 1,234 项): Django's zh_Hans
leaves large counts ungrouped. Read only where a template asks for grouping (intcomma); every
other format comes from Django's zh_Hans."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
