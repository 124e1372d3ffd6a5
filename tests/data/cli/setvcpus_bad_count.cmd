setvcpus test abc
