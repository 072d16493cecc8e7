from django import template

from reports import presentation

register = template.Library()


@register.filter
def figure_cells(figures):
    return presentation.figure_cells(figures)


@register.filter
def duration(value):
    return presentation.duration_text(value)


@register.filter
def percent(value):
    return presentation.percent_text(value)


@register.filter
def platform_label(code):
    return presentation.platform_label(code)


@register.filter
def count(value):
    return presentation.count_text(value)
