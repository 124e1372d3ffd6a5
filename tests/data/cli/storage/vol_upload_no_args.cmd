vol-upload
