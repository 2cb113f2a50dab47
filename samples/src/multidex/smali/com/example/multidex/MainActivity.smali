.class public Lcom/example/multidex/MainActivity;
.super Landroid/app/Activity;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 3
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const-string v0, "https://api.example.com/v1/config"
    invoke-static {v0}, Lcom/example/multidex/Net;->fetch(Ljava/lang/String;)V
    const-string v0, "http://203.0.113.7:8080/upload"
    invoke-static {v0}, Lcom/example/multidex/Net;->fetch(Ljava/lang/String;)V
    return-void
.end method
