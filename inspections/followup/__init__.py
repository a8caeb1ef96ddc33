"""The follow-up of citizen reports (issue 16): the reporter's answer once the item is closed
(回访), the office's list of items a reporter was not satisfied with, and the public page of
recently fixed reports with the photos the office chose to publish."""
