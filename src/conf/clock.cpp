#include "conf/clock.h"

#include "conf/domain_xml_io.h"

namespace stratus::conf {

ClockDef parseClock(Elem& e) {
  ClockDef c;
  if (e.hasAttr("offset")) c.offset = e.attrEnum("offset", {"utc", "localtime", "timezone", "variable", "absolute"});
  c.adjustment = e.attrOr("adjustment");
  c.timezone = e.attrOr("timezone");
  c.basis = e.attrEnum("basis", {"utc", "localtime"});
  c.start = e.attrOr("start");
  if (c.offset == "timezone" && c.timezone.empty())
    e.failAttr("timezone", "clock offset='timezone' needs a timezone attribute");
  for (auto& t : e.children("timer")) {
    TimerDef td;
    td.name = t.attrEnum("name", {"platform", "pit", "rtc", "hpet", "tsc", "kvmclock", "hypervclock", "armvtimer"});
    if (td.name.empty() && !t.ctx().failed()) t.failAttr("name", "timer needs a name");
    td.tickpolicy = t.attrEnum("tickpolicy", {"delay", "catchup", "merge", "discard"});
    td.track = t.attrEnum("track", {"boot", "guest", "wall", "realtime"});
    td.mode = t.attrEnum("mode", {"auto", "native", "emulate", "paravirt", "smpsafe"});
    td.frequency = t.attrOr("frequency");
    td.present = t.attrBool("present");
    t.keepChildren({"catchup"});
    t.finish(td.extra);
    c.timers.push_back(std::move(td));
  }
  e.finish(c.extra);
  return c;
}

void formatClock(XmlElement& domain, const ClockDef& c) {
  auto& x = domain.add("clock");
  x.set("offset", c.offset);
  x.setIf("adjustment", c.adjustment);
  x.setIf("basis", c.basis);
  x.setIf("timezone", c.timezone);
  x.setIf("start", c.start);
  for (const auto& t : c.timers) {
    auto& tx = x.add("timer");
    tx.set("name", t.name);
    if (t.present) tx.set("present", *t.present ? "yes" : "no");
    tx.setIf("tickpolicy", t.tickpolicy);
    tx.setIf("track", t.track);
    tx.setIf("frequency", t.frequency);
    tx.setIf("mode", t.mode);
    appendExtra(tx, t.extra);
  }
  appendExtra(x, c.extra);
}

}  // namespace stratus::conf
