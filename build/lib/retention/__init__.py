"""Retention schedules, the retention clock, appraisal, holds and destruction."""
