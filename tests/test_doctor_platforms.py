"""What ``proxim doctor`` says on Windows and macOS, where the suite cannot run it: the per-system lines."""

from __future__ import annotations

from proxim_tray import doctor, firewall


def test_each_system_is_named_and_needs_no_display_variable() -> None:
    assert doctor.display_server("win32") == ("Windows", None)
    assert doctor.display_server("darwin") == ("macOS", None)


def test_notifications_say_where_they_show_and_what_hides_them() -> None:
    ok, text = doctor.notifications("win32")
    assert ok and "Windows notifications" in text
    ok, text = doctor.notifications("darwin")
    assert ok and "System Settings > Notifications" in text


def test_the_firewall_line_gives_each_systems_way_to_let_the_phone_in() -> None:
    ok, text = firewall.advice(47600, 47601, "win32")
    assert ok
    assert 'netsh advfirewall firewall add rule name="Proxim TCP 47600" dir=in action=allow protocol=TCP' in text
    assert "protocol=UDP localport=47601" in text
    ok, text = firewall.advice(47600, 0, "win32")
    assert "UDP" not in text  # a random media port has no rule to add
    ok, text = firewall.advice(47600, 47601, "darwin")
    assert ok and "System Settings > Network > Firewall" in text
