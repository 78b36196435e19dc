"""Modal screens the panes open (forms, pickers, confirms, the link wizard).

This package imports neither `tui.screens` nor `tui.panes`: the panes open these
modals and `tui.screens` imports the panes, so keeping them apart breaks the cycle.
"""
