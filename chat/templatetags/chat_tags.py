from django import template

from knowledge.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Render Markdown to sanitized HTML."""
    return render_markdown(text or "")


@register.filter
def percent(value):
    """Format a confidence in [0, 1] as a whole percentage."""
    if value is None:
        return ""
    return f"{round(value * 100)}%"
