blockresize test vda abc
