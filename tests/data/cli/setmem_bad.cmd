setmem test abc
