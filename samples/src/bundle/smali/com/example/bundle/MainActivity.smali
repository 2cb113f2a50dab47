.class public Lcom/example/bundle/MainActivity;
.super Landroid/app/Activity;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 5
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    invoke-static {}, Lcom/example/bundle/NativeBridge;->version()Ljava/lang/String;
    move-result-object v0
    invoke-virtual {p0, v0}, Lcom/example/bundle/MainActivity;->setTitle(Ljava/lang/CharSequence;)V
    const/4 v0, 0x1
    new-array v0, v0, [Ljava/lang/String;
    const/4 v1, 0x0
    const-string v2, "android.permission.CAMERA"
    aput-object v2, v0, v1
    const/4 v1, 0x1
    invoke-virtual {p0, v0, v1}, Lcom/example/bundle/MainActivity;->requestPermissions([Ljava/lang/String;I)V
    return-void
.end method
