module garoon-calendar-sync/shared

go 1.26.0
