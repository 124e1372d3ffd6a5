blockresize test vda
