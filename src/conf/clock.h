// <clock offset='utc|localtime|timezone|variable|absolute'> with <timer>s.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conf/xml_element.h"

namespace stratus::conf {

class Elem;

struct TimerDef {
  std::string name;  // platform, pit, rtc, hpet, tsc, kvmclock, hypervclock, armvtimer
  std::string tickpolicy, track, mode, frequency;
  std::optional<bool> present;
  Extra extra;  // <catchup>
  friend bool operator==(const TimerDef&, const TimerDef&) = default;
};

struct ClockDef {
  std::string offset = "utc";
  std::string adjustment, timezone, basis, start;
  std::vector<TimerDef> timers;
  Extra extra;
  friend bool operator==(const ClockDef&, const ClockDef&) = default;
};

ClockDef parseClock(Elem& e);
void formatClock(XmlElement& domain, const ClockDef& c);

}  // namespace stratus::conf
