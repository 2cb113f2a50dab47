.class public Lcom/example/legacy/MainActivity;
.super Landroid/app/Activity;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 2
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    invoke-direct {p0}, Lcom/example/legacy/MainActivity;->readDeviceId()Ljava/lang/String;
    invoke-direct {p0}, Lcom/example/legacy/MainActivity;->lastLocation()Landroid/location/Location;
    return-void
.end method

.method private readDeviceId()Ljava/lang/String;
    .registers 2
    const-string v0, "phone"
    invoke-virtual {p0, v0}, Lcom/example/legacy/MainActivity;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/telephony/TelephonyManager;
    invoke-virtual {v0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v0
    return-object v0
.end method

.method private lastLocation()Landroid/location/Location;
    .registers 3
    const-string v0, "location"
    invoke-virtual {p0, v0}, Lcom/example/legacy/MainActivity;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/location/LocationManager;
    const-string v1, "gps"
    invoke-virtual {v0, v1}, Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;
    move-result-object v0
    return-object v0
.end method
