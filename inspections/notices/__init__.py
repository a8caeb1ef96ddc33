"""督办单: numbered supervision notices from a unit's coordinators to a unit below it, about items
and tasks, with a reply date (models in inspections.models; reminders for the scheduler in
`reminders`)."""
