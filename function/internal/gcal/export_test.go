package gcal

import "time"

// InstanceStart exposes the instance-id reading to the tests.
func InstanceStart(c *Calendar, id string) time.Time { return c.zone.instanceStart(id) }
